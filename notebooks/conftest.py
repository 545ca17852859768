"""The notebooks run under nbval with port 8787 held too, as the tests do (see tests/conftest.py):
a Dask cluster a notebook starts must need no fixed port and print nothing."""

from tests.conftest import busy_port_8787  # noqa: F401 - an autouse fixture, applied to the notebooks
