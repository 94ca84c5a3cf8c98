/**
 * Why `topic` cannot be published to (MQTT 5 §4.7: a topic name is 1–65,535 bytes of UTF-8,
 * without the wildcards `+` and `#` and without U+0000), or `undefined` when it can.
 */
export function topicNameProblem(topic: unknown): string | undefined {
  if (typeof topic !== 'string') return `a topic must be a string, got ${topic === null ? 'null' : typeof topic}`;
  if (topic.length === 0) return 'the topic is empty';
  if (/[+#]/.test(topic) || topic.includes('\u0000')) return `topic "${topic}" contains a wildcard (+ or #) or a NUL character, which only subscriptions may use`;
  if (Buffer.byteLength(topic, 'utf8') > 65_535) return 'the topic is longer than 65,535 bytes';
  return undefined;
}
