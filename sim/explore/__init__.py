"""``masksim explore``: the model in a browser (Panel on a local Bokeh server).

``levers`` (the scenario's controls as ``--set`` paths, a page's settings, its URL),
``view`` (a run as the page shows it: key numbers, page 1's sentences and findings, the series
the charts draw), ``charts`` (the Bokeh figures), ``page`` (one scenario's page, one
:class:`~sim.explore.page.Explorer` per browser session), ``sweep_page`` (a sweep folder's),
``server`` (the routes and the server). Above ``report``, below ``cli``.
"""
