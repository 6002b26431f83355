// Chinese surnames (the ~190 most common single and compound surnames) and pinyin/English name
// shapes, used by the PERSON_NAME detector and by the synthetic generator.

const SINGLE =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝';

export const SURNAMES: ReadonlySet<string> = new Set(SINGLE);

export const COMPOUND_SURNAMES = [
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
];

/** Characters common in given names (for synthetic data). */
export const GIVEN_NAME_CHARS =
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏建华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣怡梓涵子轩雨萱一诺浩然思远晨阳佳琪';

const PINYIN_SURNAMES = new Set(
  'wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai du ye cheng su wei lu ding ren shen yao cui zhong tan fan jin shi liao jia xia fu fang bai zou meng xiong qin qiu yin xue yan duan lei hou long shi tao li he gu mao hao gong shao wan qian dai mo kong xiang kang ouyang'.split(
    ' ',
  ),
);

/** "Zhang San", "ZHANG Xiaoming", "Xiaoming Zhang", "John Smith": a plausible personal name in a named field. */
export function looksLikeLatinName(value: string): boolean {
  const parts = value.trim().split(/\s+/);
  if (parts.length < 2 || parts.length > 4) return false;
  if (!parts.every((p) => /^[A-Za-z][A-Za-z'-]{0,19}$/.test(p))) return false;
  return (
    parts.some((p) => PINYIN_SURNAMES.has(p.toLowerCase())) || parts.every((p) => /^[A-Z][a-z'-]+$/.test(p))
  );
}
