"""Typed dependencies for routes: the running app's services and settings.

A route names what it needs in its signature instead of reading `request.app.state`:

    @router.get("/things")
    def things(request: Request, services: ServicesDep): ...

`ServicesDep` is the `app.services.Services` the app was created with (store,
search engine, settings); `SettingsDep` the app's `Settings`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.services import Services
from app.settings import Settings


def get_services(request: Request) -> Services:
    """The app's running services (kept on `app.state.services` by `create_app`)."""
    services: Services = request.app.state.services
    return services


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
