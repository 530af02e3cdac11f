/**
 * The probe contract lives in the plugin API (probes belong to plugins since API 1.3.0); the
 * live source and the container import it from here.
 */
export type { FsProbe } from '../plugin-api';
