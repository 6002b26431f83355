// GBK bytes of BMP Chinese text, built from the runtime's GB18030 decoder table (tests only; no
// extra library needed to produce GBK fixtures).

let table: Map<string, number[]> | undefined;

export function encodeGbk(text: string): Buffer {
  if (!table) {
    table = new Map();
    const decoder = new TextDecoder('gb18030');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = decoder.decode(Uint8Array.from([lead, trail]));
        if (!table.has(ch)) table.set(ch, [lead, trail]);
      }
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    if (ch === '\uFEFF') continue;
    const code = ch.codePointAt(0)!;
    out.push(...(code < 0x80 ? [code] : (table.get(ch) ?? [0x3f])));
  }
  return Buffer.from(out);
}
