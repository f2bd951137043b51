"""Runner, watcher, scheduler, streaming listener and daemon."""
