// The one place that reads configuration. Every setting is validated here, once; the rest of the
// code receives a typed `Config` and never reads `process.env`.
//
// settings.ts: the table of settings (environment name, file path, schema with its default, docs).
// load.ts: reads the environment and the config files and validates each setting.
// shape.ts: the `Config` type and how it is built from the validated settings.
export {
  decodeKey32,
  DEFAULT_TASK_QUEUE,
  documentedDefault,
  PROVIDERS,
  SETTINGS,
  TASK_KINDS,
  type Price,
  type ProviderName,
  type SettingSpec,
  type TaskKind,
} from './settings';
export { ConfigError, type AutosaveMode, type Config, type MemoryConfig } from './shape';
export { findProjectRoot, loadConfig, MAIN_CONFIG_FILE, USER_SETTINGS_FILE } from './load';
export type { TracingConfig } from './tracing';
