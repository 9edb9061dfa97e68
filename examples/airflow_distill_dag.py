"""Daily distill run on a Spark cluster, as an Airflow DAG (SparkSubmitOperator).

The run id is Airflow's logical date, so a retried or cleared task reruns the same run: committed
stages are reused and a run killed mid-way resumes from its last committed stage (see the README,
"Scheduled and resumable runs"). One process writes a run at a time: a retry started while an
earlier attempt still runs exits 2; with --force-takeover it takes over a crashed attempt's lease
once that expired (run.lease_ttl_seconds, 120 s, after its last renewal). Exit codes: 0 ok, 1 failure, 2 bad config, 3 bad input,
4 upstream failure (storage, cluster, network: worth a retry).

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

INCREMENTAL = True

with DAG(
    dag_id="distill_daily",
    start_date=datetime(2026, 1, 1),
    schedule="0 3 * * *",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10), "depends_on_past": INCREMENTAL},
) as dag:
    SparkSubmitOperator(
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
