"""The machinery around a trainer: the run thread and its commands (session), the class registry, snapshots and
series the pages read, the run folder on disk (store), evaluation in the background, uploads from browsers."""
