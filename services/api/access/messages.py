"""Every Spanish message an access decision answers with, in one place.

A caller refused for the same reason reads the same words whichever route refused it; a message that
names a record takes the record's Spanish noun with its article ("un plan", "una organización").
"""

# --- 401: who is calling ----------------------------------------------------------------------------------

MISSING_KEY = "Envíe su clave de API en el encabezado Authorization: Bearer <clave>."
UNKNOWN_KEY = "La clave de API no existe o fue revocada."
KEY_ORGANIZATION_GONE = "La organización de esta clave ya no existe."

# --- 404: outside the caller's scope (its existence is not revealed) --------------------------------------


def not_found(what: str) -> str:
    return f"No existe {what} con ese identificador."


NO_SUCH_ORGANIZATION = not_found("una organización")

# --- 403: a role or an organisation that may not act ------------------------------------------------------

READ_ONLY_KEY = "Las claves bi_readonly solo pueden leer."


def only_own_organization_writes(what: str) -> str:
    return f"Puede consultar {what}, pero solo su propia organización puede modificarlo."


# Organisations and oversight: what widens a secretaría's scope is an administrator's decision.
ADMIN_REGISTERS_ORGANIZATIONS = "Solo un administrador registra organizaciones."
ADMIN_SETS_JURISDICTION = "Solo un administrador cambia la jurisdicción de una secretaría."
ADMIN_RETIRES_ORGANIZATIONS = "Solo un administrador da de baja organizaciones."
ADMIN_GRANTS_OVERSIGHT = "Solo un administrador registra las EPS que vigila una secretaría."

# API keys.
KEY_CREATORS = "Solo un administrador o una secretaría (para sí misma) pueden crear claves."
SECRETARIA_KEYS_FOR_ITSELF = "Una secretaría solo puede crear claves para sí misma."
SECRETARIA_KEY_ROLES = "Una secretaría solo puede crear claves secretaria o bi_readonly."
KEY_LISTERS = "Solo un administrador o una secretaría pueden listar claves."
KEY_MANAGERS = "Solo un administrador o una secretaría pueden revocar claves."
ADMIN_REVOKES_IN_BULK = "Solo un administrador puede revocar claves en bloque."

# Complaints.
RECEIVER_HANDLES_COMPLAINT = "Solo la organización que recibió la queja puede tramitarla o modificarla."
FILES_FOR_OWN_ORGANIZATION = "Solo puede radicar quejas recibidas por su propia organización."
ASSOCIATION_NO_EXPORT = "El rol asociacion consulta agregados (counts, stats), no la exportación de quejas."
ROLE_NO_PERSONAL_DATA = "El rol {role} no puede consultar datos personales."
PERSONAL_DATA_PARTIES = "Solo la organización que recibió la queja o contra la que se presentó puede ver estos datos."
