from celery import shared_task


# The name is the one beat and the broker have always known (it was marketplace.tasks before issue 12).
@shared_task(name="marketplace.tasks.collaboration_timers_task", ignore_result=True)
def collaboration_timers_task() -> dict:
    from orders.services.contests import contest_timers_run
    from orders.services.deals import timers_run

    # Contests run on the same beat: ranking when the counting window ends, confirmation three days later.
    return {**timers_run(), **contest_timers_run()}
