/** `base(fnName)` when the function has a name, else `base`: a readable default stage name. */
export function nameAfter(base: string, fn: { readonly name: string } | undefined): string {
  const name = fn?.name;
  return name && name !== 'anonymous' ? `${base}(${name})` : base;
}

/** The class name of a DoFn instance, or undefined for a plain object literal. */
export function classOf(instance: object): { name: string } | undefined {
  const ctor = (Object.getPrototypeOf(instance) as { constructor?: { name: string } } | null)?.constructor;
  return ctor && ctor !== Object ? ctor : undefined;
}
