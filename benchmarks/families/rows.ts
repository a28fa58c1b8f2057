/** Reading fields of a raw dataset row, with errors that name the task, row and field. */
export function rowString(task: string, raw: Record<string, unknown>, field: string, index: number, hint = ''): string {
  const v = raw[field];
  if (typeof v !== 'string') throw new Error(`${task} row ${index}: "${field}" must be a string, got ${JSON.stringify(v) ?? typeof v}${hint}`);
  return v;
}

/** A string field that may be missing or null (null then). */
export function rowOptionalString(task: string, raw: Record<string, unknown>, field: string, index: number): string | null {
  const v = raw[field];
  return v === null || v === undefined ? null : rowString(task, raw, field, index);
}
