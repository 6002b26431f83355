import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../audit/index.js';
import { blindIndex, open } from '../crypto/index.js';
import { type ProtectJob, Protector, packKeys, protectBatch, threadStart } from './protect-thread.js';

const indexKey = randomBytes(32);
const records = [
  { cid: 'C1', name: '张三', id_no: '11010519491231002X', mobile: '13800138000', score: 700 },
  { cid: 'C2', name: '李四', id_no: '110105194912310021', mobile: '13900139000', score: 650 },
];

function job(keys: Map<string, Buffer>): ProtectJob {
  return {
    records,
    subjects: ['s_a', 's_b'],
    sealedFields: ['name', 'id_no', 'mobile'],
    indexed: [
      ['id_no', 'id_card'],
      ['mobile', 'phone'],
    ],
    ...packKeys(keys),
  };
}

const protectors: Protector[] = [];
afterEach(async () => {
  while (protectors.length > 0) await protectors.pop()!.close();
});

describe('protect step', () => {
  it('seals personal fields under the subject key, hashes the record and blind-indexes identifiers', () => {
    const keys = new Map([
      ['s_a', randomBytes(32)],
      ['s_b', randomBytes(32)],
    ]);
    const input = job(keys);
    const [first] = protectBatch('sm', indexKey, input);
    expect(JSON.parse(first!.data)).toEqual({ cid: 'C1', score: 700 });
    const personal = open(keys.get('s_a')!, Buffer.from(first!.sealed!, 'base64'), Buffer.from('s_a'));
    expect(JSON.parse(personal.toString())).toEqual({
      name: '张三',
      id_no: '11010519491231002X',
      mobile: '13800138000',
    });
    // Bound to its subject: the other subject's key or id does not open it.
    expect(() => open(keys.get('s_b')!, Buffer.from(first!.sealed!, 'base64'), Buffer.from('s_a'))).toThrow();
    expect(first!.hash).toBe(blindIndex('sm', indexKey, 'text', canonicalJson(records[0])));
    expect(first!.indexes).toEqual([
      { field: 'id_no', hash: blindIndex('sm', indexKey, 'id_card', '11010519491231002X') },
      { field: 'mobile', hash: blindIndex('sm', indexKey, 'phone', '13800138000') },
    ]);
    // The packed keys are zeroised once used.
    expect(input.keys.every((b) => b === 0)).toBe(true);
  });

  it('runs the second job on its thread, handing the keys over, with the same results', async () => {
    const keys = new Map([
      ['s_a', randomBytes(32)],
      ['s_b', randomBytes(32)],
    ]);
    const protector = new Protector('sm', indexKey, true);
    protectors.push(protector);
    const inline = await protector.protect(job(keys));
    const second = job(keys);
    const threaded = await protector.protect(second);
    expect(second.keys.byteLength).toBe(0); // transferred to the thread, nothing left here
    const strip = (rs: typeof inline) => rs.map(({ sealed: _s, ...r }) => r);
    expect(strip(threaded)).toEqual(strip(inline));
    const personal = open(keys.get('s_b')!, Buffer.from(threaded[1]!.sealed!, 'base64'), Buffer.from('s_b'));
    expect(JSON.parse(personal.toString()).name).toBe('李四');
  });

  it('fails a job whose data key is missing, on either thread, without its contents', async () => {
    const keys = new Map([['s_a', randomBytes(32)]]);
    const protector = new Protector('sm', indexKey, true);
    protectors.push(protector);
    const message = /a record reached the protect step without its data key/;
    await expect(protector.protect(job(keys))).rejects.toThrow(message);
    const failure = protector.protect(job(keys));
    await expect(failure).rejects.toThrow(/^protect thread failed: a record reached/);
    await expect(failure).rejects.not.toThrow(/李四|110105/);
  });

  it('starts the thread with a copy of the blind-index key alone, never a slice of the shared pool', () => {
    const pooled = Buffer.from(randomBytes(32)); // small Buffer copies come from Node's pool
    expect(pooled.buffer.byteLength).toBeGreaterThan(32);
    const { workerData, transferList } = threadStart('sm', pooled);
    expect(transferList[0]!.byteLength).toBe(32);
    expect(Buffer.from(workerData.indexKey).equals(pooled)).toBe(true);
  });
});
