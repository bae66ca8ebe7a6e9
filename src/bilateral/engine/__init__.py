"""The build engine: plan → execute → render → publish, one concern per module.

=============  ============================================================================
``options``    what a build is asked to do; names, the output folder against the inputs
``workspace``  the private folder: the data and notebooks as read, the kernels' sockets
``plan``       validate everything and list the targets, before anything is written
``state``      hashes and the state file: what is stale
``quick``      a build with nothing to do, answered from a stamp without planning it
``execute``    papermill with an IPC kernel, a deadline and bounded outputs
``render``     HTML and PDF of an executed notebook, within the deadline
``publish``    atomic renames into place; the failed notebook kept
``lock``       one build at a time per folder; the staging folder
``pool``       one worker process per target, stopped cleanly
``signals``    Ctrl-C, SIGTERM, SIGHUP: one interrupt, cleanup not cut short
=============  ============================================================================

:func:`bilateral.engine.build.build` is the whole of it, a short function of those named
steps. Importing this package imports none of its modules (the command installs its
signal handlers from ``signals`` before anything heavy is loaded).
"""
