export { StatusReader, statusMailbox } from './status-reader.js';
export {
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_IDLE_PER_ACCOUNT,
  DEFAULT_NOTIFY_RETRY_MS,
  DEFAULT_POLL_MS,
  DEFAULT_RESYNC_MS,
  startWatcher,
  type Watcher,
  type WatcherOptions,
  type WatcherStatus,
  type WatchMode,
} from './watcher.js';
