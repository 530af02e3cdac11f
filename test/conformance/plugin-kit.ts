/** The plugin conformance kit lives in core/plugin-kit.ts (public entry `fsfault/plugin-kit`). */
export { runPluginConformance, type ConformanceInput } from '../../core/plugin-kit';
