"""Reusable views: live plots, plot export, item models, the message bar.

Widgets take plain data (numpy arrays, DataFrames, core result objects) and never call
long core operations themselves; pages do that through ``app.workers``.

Every plot in the application is black on white, like the figures users put in reports;
this is set here, before any module of the package can create a plot.
"""

import pyqtgraph as pg

pg.setConfigOptions(background="w", foreground="#404040")
