"""migdev: needs assessment and instrument toolbox for migrant and diaspora private-sector engagement."""

__version__ = "0.1.0"
