// The label written just before a number in text (订单号2026…, 卡号：6222…, Order No. …): evidence
// for or against a checksum match. A number labelled as an order, serial, contract or other
// business number is that, whatever checksum it happens to pass; a label naming a card is the
// context a card outside the known IIN ranges needs.

/** Labels of business numbers (orders, payments, contracts, documents): evidence against. */
const BUSINESS_LABEL = new RegExp(
  `(?:${[
    '订单号',
    '订单编号',
    '订单',
    '流水号',
    '交易号',
    '交易单号',
    '交易编号',
    '单号',
    '编号',
    '合同号',
    '凭证号',
    '票据号',
    '发票号码',
    '发票号',
    '批次号',
    '序列号',
    '序号',
    '参考号',
    '业务号',
    '申请号',
    '保单号',
    '案号',
    '商户号',
    '终端号',
    '\\b(?:[Oo]rder|ORDER|[Tt]ransaction|TRANSACTION|[Tt]xn|TXN|[Tt]rade|[Ss]erial|[Rr]eference|[Rr]ef|REF|[Ii]nvoice|[Cc]ontract|[Tt]racking|[Mm]erchant|[Tt]erminal)(?:\\s*(?:[Nn]o\\.?|[Nn]umber|NO\\.?|ID|[Ii]d|#))?',
  ].join('|')})$`,
);

/** Labels naming a card: the context that stands in for a known IIN range. */
const CARD_LABEL =
  /(?:卡号|银行卡号?|借记卡号?|信用卡号?|储蓄卡号?|\b[Cc]ard(?:\s*(?:[Nn]o\.?|[Nn]umber|#))?)$/;

/** Separators between a label and its number: spaces, colons, 为/是, brackets, #. */
const SEPARATORS = /[\s:：#＃=（(为是]*$/;

/** Characters of text looked at before a number (labels are short and written next to it). */
const WINDOW = 20;

function labelBefore(text: string, start: number): string {
  const before = text.slice(Math.max(0, start - WINDOW), start);
  return before.slice(0, before.length - (SEPARATORS.exec(before)?.[0].length ?? 0));
}

/** Is the number at `start` labelled as a business number (order, serial, contract, …)? */
export function hasBusinessLabel(text: string, start: number): boolean {
  return BUSINESS_LABEL.test(labelBefore(text, start));
}

/** Is the number at `start` labelled as a card number? */
export function hasCardLabel(text: string, start: number): boolean {
  return CARD_LABEL.test(labelBefore(text, start));
}

/** A field named like a business number (订单号, order_no, 交易流水号…): evidence against cards and USCCs. */
export function isBusinessNumberFieldName(name: string): boolean {
  const words = name
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[\s_.-]+/g, ' ');
  return BUSINESS_LABEL.test(words);
}
