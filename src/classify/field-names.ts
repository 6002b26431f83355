// The field-name dictionary: Chinese, English and pinyin-abbreviation field names → entity type.
// One file, extended per workspace through `classification.fieldNames` in custos.yaml.

import type { EntityType } from '../domain/classification.js';

export const FIELD_NAMES: Readonly<Record<string, EntityType>> = {
  // Resident ID
  身份证: 'CN_RESIDENT_ID',
  身份证号: 'CN_RESIDENT_ID',
  身份证号码: 'CN_RESIDENT_ID',
  证件号: 'CN_RESIDENT_ID',
  证件号码: 'CN_RESIDENT_ID',
  idno: 'CN_RESIDENT_ID',
  idcard: 'CN_RESIDENT_ID',
  idcardno: 'CN_RESIDENT_ID',
  idnumber: 'CN_RESIDENT_ID',
  nationalid: 'CN_RESIDENT_ID',
  certno: 'CN_RESIDENT_ID',
  sfzh: 'CN_RESIDENT_ID',
  sfzhm: 'CN_RESIDENT_ID',
  zjhm: 'CN_RESIDENT_ID',
  zjh: 'CN_RESIDENT_ID',
  // Organisation
  统一社会信用代码: 'CN_USCC',
  信用代码: 'CN_USCC',
  uscc: 'CN_USCC',
  creditcode: 'CN_USCC',
  tyshxydm: 'CN_USCC',
  // Cards and accounts
  银行卡号: 'BANK_CARD',
  卡号: 'BANK_CARD',
  cardno: 'BANK_CARD',
  cardnumber: 'BANK_CARD',
  bankcard: 'BANK_CARD',
  pan: 'BANK_CARD',
  yhkh: 'BANK_CARD',
  kh: 'BANK_CARD',
  银行账号: 'CN_BANK_ACCOUNT',
  账号: 'CN_BANK_ACCOUNT',
  账户: 'CN_BANK_ACCOUNT',
  accountno: 'CN_BANK_ACCOUNT',
  accountnumber: 'CN_BANK_ACCOUNT',
  bankaccount: 'CN_BANK_ACCOUNT',
  yhzh: 'CN_BANK_ACCOUNT',
  zh: 'CN_BANK_ACCOUNT',
  // Contact
  手机: 'CN_MOBILE',
  手机号: 'CN_MOBILE',
  手机号码: 'CN_MOBILE',
  mobile: 'CN_MOBILE',
  mobileno: 'CN_MOBILE',
  cellphone: 'CN_MOBILE',
  phone: 'CN_MOBILE',
  phoneno: 'CN_MOBILE',
  sjh: 'CN_MOBILE',
  sjhm: 'CN_MOBILE',
  电话: 'CN_LANDLINE',
  固定电话: 'CN_LANDLINE',
  座机: 'CN_LANDLINE',
  landline: 'CN_LANDLINE',
  tel: 'CN_LANDLINE',
  telephone: 'CN_LANDLINE',
  gddh: 'CN_LANDLINE',
  邮箱: 'EMAIL',
  电子邮箱: 'EMAIL',
  email: 'EMAIL',
  mail: 'EMAIL',
  yx: 'EMAIL',
  // Documents
  护照: 'CN_PASSPORT',
  护照号: 'CN_PASSPORT',
  passport: 'CN_PASSPORT',
  passportno: 'CN_PASSPORT',
  hzh: 'CN_PASSPORT',
  港澳通行证: 'HK_MACAU_PERMIT',
  回乡证: 'HK_MACAU_PERMIT',
  permitno: 'HK_MACAU_PERMIT',
  车牌: 'CN_LICENSE_PLATE',
  车牌号: 'CN_LICENSE_PLATE',
  plate: 'CN_LICENSE_PLATE',
  plateno: 'CN_LICENSE_PLATE',
  licenseplate: 'CN_LICENSE_PLATE',
  cph: 'CN_LICENSE_PLATE',
  ip: 'IP_ADDRESS',
  ipaddress: 'IP_ADDRESS',
  clientip: 'IP_ADDRESS',
  // Identity
  姓名: 'PERSON_NAME',
  名字: 'PERSON_NAME',
  客户姓名: 'PERSON_NAME',
  借款人: 'PERSON_NAME',
  联系人: 'PERSON_NAME',
  name: 'PERSON_NAME',
  fullname: 'PERSON_NAME',
  customername: 'PERSON_NAME',
  holdername: 'PERSON_NAME',
  xm: 'PERSON_NAME',
  khxm: 'PERSON_NAME',
  地址: 'ADDRESS',
  住址: 'ADDRESS',
  家庭住址: 'ADDRESS',
  联系地址: 'ADDRESS',
  address: 'ADDRESS',
  homeaddress: 'ADDRESS',
  addr: 'ADDRESS',
  dz: 'ADDRESS',
  jtzz: 'ADDRESS',
  出生日期: 'DATE_OF_BIRTH',
  生日: 'DATE_OF_BIRTH',
  birthday: 'DATE_OF_BIRTH',
  birthdate: 'DATE_OF_BIRTH',
  dateofbirth: 'DATE_OF_BIRTH',
  dob: 'DATE_OF_BIRTH',
  csrq: 'DATE_OF_BIRTH',
  // Financial status
  金额: 'AMOUNT',
  余额: 'AMOUNT',
  收入: 'AMOUNT',
  月收入: 'AMOUNT',
  贷款金额: 'AMOUNT',
  amount: 'AMOUNT',
  balance: 'AMOUNT',
  income: 'AMOUNT',
  salary: 'AMOUNT',
  loanamount: 'AMOUNT',
  je: 'AMOUNT',
  ye: 'AMOUNT',
  // Authentication (C3)
  密码: 'PASSWORD',
  登录密码: 'PASSWORD',
  交易密码: 'PASSWORD',
  支付密码: 'PASSWORD',
  password: 'PASSWORD',
  passwd: 'PASSWORD',
  pwd: 'PASSWORD',
  mm: 'PASSWORD',
  pin: 'PIN',
  pincode: 'PIN',
  cvv: 'CVV',
  cvv2: 'CVV',
  cvn2: 'CVV',
  安全码: 'CVV',
  磁道: 'CARD_TRACK',
  磁道信息: 'CARD_TRACK',
  track: 'CARD_TRACK',
  track2: 'CARD_TRACK',
  trackdata: 'CARD_TRACK',
};

/** Normalised form used for lookups: lower case, no separators (`ID_No` → `idno`, `身份证 号` → `身份证号`). */
export function normaliseFieldName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:：/]+/g, '');
}

/** Entity type suggested by a field name, from the built-in dictionary and the workspace's extension. */
export function entityTypeForFieldName(
  name: string,
  extension: Readonly<Record<string, EntityType>> = {},
): EntityType | undefined {
  const key = normaliseFieldName(name);
  for (const [k, v] of Object.entries(extension)) if (normaliseFieldName(k) === key) return v;
  const exact = FIELD_NAMES[key];
  if (exact) return exact;
  // Compound Chinese names: 借款人身份证号码 → 身份证号码; customer_mobile → mobile.
  let best: { length: number; type: EntityType } | undefined;
  for (const [k, v] of Object.entries(FIELD_NAMES)) {
    if (k.length < 3) continue;
    if (key.endsWith(k) || (/[\u4e00-\u9fa5]/.test(k) && key.includes(k))) {
      if (!best || k.length > best.length) best = { length: k.length, type: v };
    }
  }
  return best?.type;
}
