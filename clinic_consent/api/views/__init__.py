"""The API's blueprints, one module an area; each has ``blp`` and its ``URL_PREFIX``."""
