// Name lists for scoring the PERSON_NAME detector on names it has never seen: the detector's
// surname list (src/classify/names.ts) is not drawn from here, and most surnames below are absent
// from it. DEVELOPMENT is what the detector may be improved against; HELD_OUT is only ever scored.
// The two share no surname and no given-name character.

import type { NameLists } from '../../src/classify/index.js';

export const DEVELOPMENT: NameLists = {
  // 15 surnames absent from the detector's list, 2 compound ones, 8 it knows.
  surnames: [...'缑亢晁仉帅冀郜訾逯郦厍扈隗宓昝', '夏侯', '令狐', ...'王李张刘陈杨黄赵'],
  givenNameChars: '嘉怡婷雪琳晓东志国文博雅岚昊泽思彤若曦永春金德兴月',
};

export const HELD_OUT: NameLists = {
  // 20 single surnames absent from the detector's list (傅 and 萧 among them), 4 compound (three
  // starting with a character it lacks), 8 it knows.
  surnames: [
    ...'郗蔺芮揭眭浦寿谈邰钮仝桓濮邴蒯钭冼傅萧裘',
    '澹台',
    '公冶',
    '淳于',
    '司徒',
    ...'徐孙马朱胡郭何高',
  ],
  givenNameChars: '丹颖慧倩蕾莉萌楠薇锋晖毅昕睿翔宏成忠和胜荣振庆亮',
};
