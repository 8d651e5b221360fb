import threading

from celery._state import _set_task_join_will_block, task_join_will_block
from django.db import connections


def run_together(*calls, timeout: float = 30) -> list:
    """Run each call in its own thread, all released at the same moment, and
    return their results in order. Each thread closes its own database
    connections; the first error raised in any thread is raised here.

    Celery marks the whole process "inside a task" while an eager task runs and
    puts back what it found after; two threads' eager tasks overlapping can put
    the mark back set, and every later result.get() in the process (a later
    pytest session under `make mutation`) would be refused. It is put back here."""
    joins_blocked = task_join_will_block()
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    _set_task_join_will_block(joins_blocked)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    if errors:
        raise errors[0]
    return results
