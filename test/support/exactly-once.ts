/** The acknowledged ids that are not stored exactly once in `stored` (empty when the promise held). */
export function notExactlyOnce(acknowledged: Iterable<number>, stored: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...acknowledged].filter((id) => counts.get(id) !== 1);
}
