"""(being written)"""

from flask_smorest import Blueprint

URL_PREFIX = "/api/v1"
blp = Blueprint("api_reports", __name__)
