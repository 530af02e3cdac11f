/** Every CLI command module, in help order. Each registers itself on the program. */
import type { Command } from 'commander';
import type { CliIo } from '../io';
import { register as watch } from './watch';
import { register as schema } from './schema';
import { register as validate } from './validate';
import { register as report } from './report';
import { register as exportCmd } from './export';
import { register as status } from './status';
import { register as events } from './events';
import { register as summary } from './summary';
import { register as replay } from './replay';
import { register as doctor } from './doctor';
import { register as fleet } from './fleet';
import { defaultStoreDeps } from '../store-commands';
import { replayInto } from '../replay-into';

export const COMMANDS: readonly ((program: Command, io: CliIo) => void)[] = [
  watch,
  doctor,
  (p, io) => status(p, defaultStoreDeps(io)),
  (p, io) => events(p, defaultStoreDeps(io)),
  (p, io) => summary(p, defaultStoreDeps(io)),
  (p, io) => replay(p, { ...defaultStoreDeps(io), replayInto: replayInto(io) }),
  report,
  exportCmd,
  schema,
  validate,
  fleet,
];
