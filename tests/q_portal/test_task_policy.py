"""One retry policy for every task the portal defines (`q_portal.celery.PortalTask`)."""

from django.db import InterfaceError, OperationalError

from q_portal.celery import PortalTask, app


def test_every_portal_task_retries_on_database_errors_only():
    app.loader.import_default_modules()
    portal_tasks = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}

    assert len(portal_tasks) >= 15
    assert {name for name, task in portal_tasks.items() if not isinstance(task, PortalTask)} == set()
    assert {(task.autoretry_for, task.max_retries, task.ignore_result) for task in portal_tasks.values()} == {
        ((OperationalError, InterfaceError), 5, True)
    }
