from http import HTTPStatus

from asgiweb import status


def test_every_stdlib_status_has_its_constant() -> None:
    for code in HTTPStatus:
        name = f"HTTP_{code.value}_{code.name}"
        if code.value == 418 or code.name.startswith(("UNPROCESSABLE_CONTENT", "CONTENT_TOO")):
            continue
        if hasattr(status, name):
            assert getattr(status, name) == code.value
    assert status.HTTP_404_NOT_FOUND == 404
    assert status.HTTP_422_UNPROCESSABLE_ENTITY == 422
    assert status.HTTP_307_TEMPORARY_REDIRECT == 307
