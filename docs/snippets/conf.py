extensions = ["sphinxcontrib_cliche"]

# Where your Alembic configuration is, relative to this conf.py.
cliche_config = "../alembic.ini"
