"""chaingrad's no-install playground: the real engine in a browser tab, through Pyodide.

`python -m viz.playground build SITE_DIR` writes a static site (viz.playground.build);
`python -m viz.playground serve SITE_DIR` serves it (viz.playground.serve). In the page, a student's
program is checked (viz.playground.check) and run (viz.playground.runner); the train tab runs
viz.playground.training in a Web Worker; viz.playground.presets holds the example programs.

The playground is an application on top of all three packages: a student's program uses nn, and the
train tab trains an nn.MLP, so runner and training import nn (viz's own files, viz/*.py, never do).
"""
