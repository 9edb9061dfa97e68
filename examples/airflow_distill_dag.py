"""Daily distill run on a Spark cluster, as an Airflow DAG (SparkSubmitOperator).

The run id is Airflow's logical date, so a retried or cleared task reruns the same run: committed
stages are reused and a run killed mid-way resumes from its last committed stage (see the README,
"Scheduled and resumable runs"). One process writes a run at a time: a retry started while an
earlier attempt still runs exits 2; with --force-takeover it takes over a crashed attempt's lease
once that expired (run.lease_ttl_seconds, 120 s, after its last renewal). Exit codes: 0 ok, 1 failure,
2 bad config, 3 bad input, 4 upstream failure (storage, cluster, network: worth a retry), 5 batches
still pending.

With roles in batch mode (generate.<role>.mode: batch, README "Batch mode"), the day's generation
is split out of the run so no worker waits hours on a provider's batch API: `generate
--submit-only` submits the missing requests (every batch recorded in the ledger) and exits 0; a
BashSensor in reschedule mode runs `generate --collect`, which downloads what ended and submits
what became plannable; its exit code 5 (still pending) makes the sensor poke again later, 0 lets
the full run go on, and any other code fails the task. Set BATCH = False for online roles only.
The generate commands run under their own run id ({{ ds_nodash }}-gen): they are not the day's
run (no --base-run, the plan stops after generate), and sharing its id would commit their
generate stage into it. They share its ledger (<output>/ledger), so the full run finds every
reply there and calls nothing again.

With INCREMENTAL = True each day scores only the candidates that are new since the previous day's
run (--base-run) and re-selects over the whole pool; the previous run must have completed, so the
DAG runs one day at a time (max_active_runs=1, depends_on_past). The first day has no previous run:
run it with INCREMENTAL = False (a full run), then switch it on.

Build the application jar once with `./mvnw -DskipTests package` and copy
dist/target/distill-app-<version>.jar where the Airflow workers can read it.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.operators.bash import BashOperator
from airflow.sensors.bash import BashSensor

INCREMENTAL = True
BATCH = True
DISTILL = "/opt/distill/bin/distill"
SPARK_MASTER = "spark://master:7077"  # the host of the spark_default connection
# The generate commands' own run id; --master runs them on the cluster in client mode, so their exit code reaches Airflow.
GENERATE = ("--config /opt/distill/conf/my-pool.yaml --output s3a://my-bucket/distill --run-id {{ ds_nodash }}-gen --force-takeover "
            "--master " + SPARK_MASTER)

with DAG(
    dag_id="distill_daily",
    start_date=datetime(2026, 1, 1),
    schedule="0 3 * * *",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10), "depends_on_past": INCREMENTAL},
) as dag:
    run = SparkSubmitOperator(
        task_id="distill_run",
        conn_id="spark_default",  # its host is the master: spark://..., yarn or k8s://...
        application="/opt/distill/distill-app-0.1.0-SNAPSHOT.jar",
        java_class="dev.distill.job.cli.Main",
        application_args=[
            "run",
            "--config", "/opt/distill/conf/my-pool.yaml",
            "--output", "s3a://my-bucket/distill",
            "--run-id", "{{ ds_nodash }}",
            # A retry after a crashed attempt takes over its expired lease; one still running refuses it (exit 2).
            "--force-takeover",
        ] + (["--base-run", "{{ prev_ds_nodash }}"] if INCREMENTAL else []),
        conf={"spark.executor.memory": "4g"},
    )

    if BATCH:
        # Not only the provider's batch API: generate reads the whole pool, plans every call and makes the online
        # roles' calls in Spark, so it runs on the cluster as the full run does (each poke is a short Spark job).
        submit = BashOperator(task_id="generate_submit", bash_command=f"{DISTILL} generate {GENERATE} --submit-only")
        collect = BashSensor(
            task_id="generate_collect",
            bash_command=f"{DISTILL} generate {GENERATE} --collect",
            retry_exit_code=5,  # batches still in flight: poke again; any other non-zero code fails the task
            mode="reschedule",  # frees the worker slot between pokes
            poke_interval=15 * 60,
            timeout=26 * 60 * 60,  # the providers' 24 h window, and some
        )
        submit >> collect >> run
