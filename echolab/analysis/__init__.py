"""Measuring on regions: what a cardiologist reads off a screen, with units.

- :mod:`.measure` — calibrated points, distances, times and velocities on any region;
- :mod:`.doppler` — the spectral envelope, peak and mean velocities, velocity-time integrals, the
  Nyquist velocity;
- :mod:`.mmode` — depth profiles, bright layers and wall distances on M-mode strips;
- :mod:`.traces` — drawn curves (ECG, respiration) back to signals, R peaks, heart rate;
- :mod:`.beats` — heartbeats of a file, from (0018,6060) R Wave Time Vector or the drawn ECG;
- :mod:`.display` — a frame as grey intensity and colourfulness, which the others separate.

Each takes a region DataArray (or a :class:`~echolab.Region`) and reads its calibration through
:func:`echolab.calibration.region_calibration` — the ``echo`` accessor, which reads a DataArray's
attrs once however many measurements are taken on it; none parses DICOM or reads calibration attrs.
"""
