import threading

from django.db import connections


def run_together(*calls, timeout: float = 30) -> list:
    """Run each call in its own thread, all released at the same moment, and
    return their results in order. Each thread closes its own database
    connections; the first error raised in any thread is raised here."""
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
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    if errors:
        raise errors[0]
    return results
