"""One experiment runner: every fit is a task with a stable key, stored once, run anywhere.

- :mod:`~kinemyo.experiments.task`: tasks and their keys (a hash of all that decides a result).
- :mod:`~kinemyo.experiments.store`: each task's result, written atomically, read back exactly.
- :mod:`~kinemyo.experiments.executors`: in-process, a local process pool or Ray.
- :mod:`~kinemyo.experiments.progress`: counts of tasks done, running and failed.
"""
