"""What people look at: plots, notebook widgets and the browse web app.

- :mod:`.plot` — a region or frame drawn on its physical axes (matplotlib);
- :mod:`.widgets` — the browser and the calibration panel (ipywidgets);
- :mod:`.browse` — ``echolab browse``: the browser as a local Voila app;
- :mod:`.browse_server` — the Voila server it starts, answering its owner only;
- ``apps/`` — the app's notebook and page template.
"""
