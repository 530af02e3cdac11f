/** Every CLI command module, in help order. Each registers itself on the program. */
import type { Command } from 'commander';
import type { CliIo } from '../io';
import { register as watch } from './watch';
import { register as schema } from './schema';
import { register as validate } from './validate';
import { register as report } from './report';
import { register as exportCmd } from './export';

export const COMMANDS: readonly ((program: Command, io: CliIo) => void)[] = [watch, schema, validate, exportCmd, report];
