/** A refusal, in ClickHouse's terms: 497 ACCESS_DENIED, or 164 READONLY for a statement that is not a read. */
export class AccessRefused extends Error {
  readonly clickhouseCode: 497 | 164;
  constructor(message: string, clickhouseCode: 497 | 164 = 497) {
    super(message);
    this.clickhouseCode = clickhouseCode;
  }
  get clickhouseName(): string {
    return this.clickhouseCode === 164 ? 'READONLY' : 'ACCESS_DENIED';
  }
}
