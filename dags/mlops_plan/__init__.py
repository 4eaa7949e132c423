"""The pipeline plan layer: DAG structure derived once from each model spec (see plan.py)."""

from .plan import (EXIT_SKIP, JOBS, PLAN_VERSION, PlanError, airflow_template, all_plans, check, env_file, load_env, plans_for,
                   render, specs_dir)

__all__ = ["EXIT_SKIP", "JOBS", "PLAN_VERSION", "PlanError", "airflow_template", "all_plans", "check", "env_file", "load_env",
           "plans_for", "render", "specs_dir"]
