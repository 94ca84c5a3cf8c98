/**
 * Promotion and rollback by hand (`runnel models promote | rollback`), on the store while no job
 * has it open: the same status changes the loop makes, in one transaction each, so the next start
 * serves the chosen version.
 */
import { ModelVersionTable, type ModelVersion } from '../../store/model-versions.js';
import type { Store } from '../../store/store.js';

/** Makes `version` of `model` the champion; the current champion is retired. Returns the two. */
export function promoteByHand(store: Store, model: string, version: number, now = Date.now()): { readonly from: ModelVersion | undefined; readonly to: ModelVersion } {
  const table = new ModelVersionTable(store);
  const to = table.get(model, version);
  if (!to) throw new RangeError(`model "${model}" has no version ${version} in ${store.path}; runnel models list ${store.path} shows the versions`);
  const from = table.champion(model);
  if (from?.version === version) throw new RangeError(`${model} v${version} is already the champion`);
  table.promote(model, version, 'promoted by hand (runnel models promote)', { status: 'retired', reason: `replaced by hand by v${version}` }, now);
  return { from, to: table.get(model, version)! };
}

/** Puts the champion's parent (the version it replaced) back as champion; the champion is rejected. */
export function rollbackByHand(store: Store, model: string, now = Date.now()): { readonly from: ModelVersion; readonly to: ModelVersion } {
  const table = new ModelVersionTable(store);
  const from = table.champion(model);
  if (!from) throw new RangeError(`model "${model}" has no champion in ${store.path}; runnel models list ${store.path} shows the models`);
  const to = from.parent === undefined ? undefined : table.get(model, from.parent);
  if (!to) {
    throw new RangeError(
      from.parent === undefined
        ? `${model} v${from.version} replaced no earlier version: there is nothing to roll back to`
        : `${model} v${from.version}'s predecessor v${from.parent} is no longer stored (only the newest versions are kept); promote another version by hand`,
    );
  }
  table.promote(
    model,
    to.version,
    `restored by hand (runnel models rollback) from v${from.version}`,
    { status: 'rejected', reason: 'rolled back by hand (runnel models rollback)' },
    now,
  );
  return { from, to: table.get(model, to.version)! };
}
