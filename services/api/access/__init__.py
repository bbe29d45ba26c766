"""The access platform under the areas: who is calling (authentication, the caller's scope), what each
route allows (policies), which rows a caller sees (the scope filter), and their Spanish messages.

It imports no area: areas declare their routes' policies from it, and their repositories filter with it.
"""
