"""One experiment runner: every fit is a task with a stable key, stored once, run anywhere.

- :mod:`~kinemyo.experiments.task`: tasks and their keys (a hash of all that decides a result).
- :mod:`~kinemyo.experiments.store`: each task's result, written atomically, read back exactly.
- :mod:`~kinemyo.experiments.executors`: in-process, a local process pool or Ray.
- :mod:`~kinemyo.experiments.progress`: counts of tasks done, running and failed.
- :mod:`~kinemyo.experiments.split_tasks`: the (split, model, seed) tasks of ``compare`` and the
  seed study; ``kinemyo.studies.lstam`` makes its (subject, model, seed) tasks itself.

A study lists its tasks, calls :func:`~kinemyo.experiments.executors.run_tasks` with a
:class:`~kinemyo.experiments.store.TaskStore` (``TaskStore.for_output(out)``: the hidden work
folder beside ``--out``), builds its tables from the stored results, and moves the store into its
run folder as ``tasks/`` (``store.move_into``) inside the run folder's ``atomic_directory``.
"""
