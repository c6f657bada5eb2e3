"""placeholder."""
from flask import Blueprint

blueprint = Blueprint("directory", __name__)
