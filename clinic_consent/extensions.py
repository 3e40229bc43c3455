"""Flask extensions, created unbound and bound to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from clinic_consent.db import Base

# Models derive from clinic_consent.db.Base (plain, fully typed SQLAlchemy 2); Flask-SQLAlchemy
# only manages the engine and the request-scoped session over the same metadata.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
# No default limit: auth.rate_limits puts limits on sign-in, the API and PDF routes.
limiter = Limiter(key_func=get_remote_address)
