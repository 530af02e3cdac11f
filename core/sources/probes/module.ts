/** Registers the probes this folder provides (the XFS health probe) with fsfault's container. */
import { ContainerModule, TOKENS } from '../../bindings';
import { XfsHealthProbe } from './xfs-health-probe';

export const probesModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Probe).toDynamicValue(() => new XfsHealthProbe()).inSingletonScope();
});
