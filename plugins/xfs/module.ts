/** Registers the XFS plugin with fsfault's container. */
import { ContainerModule, TOKENS } from '../../core/bindings';
import type { FsPlugin } from '../../core/plugin-api';
import { xfsPlugin } from './index';

export const xfsModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Plugin).toConstantValue(xfsPlugin as unknown as FsPlugin);
});
