"""The pure core: model, planner and merge. Imports no I/O."""
