# What each job may do, as IAM policy JSON built from plain values (jsonencode of locals): no provider,
# so `terraform console` renders every job's policy anywhere, and jobs/deploy's DeploymentConsistencyTest
# evaluates the calls each job makes against exactly what job_roles attaches to its role.

locals {
  unknown_jobs = setsubtract(var.jobs, keys(local.catalog))
  jobs         = { for j in var.jobs : j => local.catalog[j] if contains(keys(local.catalog), j) }

  # lake prefixes as keys: "<root>/<prefix>", without a trailing slash
  kp = var.lake_key_prefix
  prefixes = {
    for j, c in local.jobs : j => {
      read  = [for p in c.reads : "${local.kp}${p}"]
      write = concat([for p in c.writes : "${local.kp}${p}"], [for s in lookup(c, "staging", [j]) : "${local.kp}_staging/${s}"])
    }
  }
  # the lake root and its parents: S3A probes every parent of a path it creates, up to the root
  root_parts = compact(split("/", local.kp))
  root_keys  = [for i in range(length(local.root_parts)) : join("/", slice(local.root_parts, 0, i + 1))]

  # SageMaker names per model (SageMakerTrainer: the model name with hyphens). Training and tuning job
  # names start with it, but a tuning job's is cut to fit 32 characters (and its training jobs are
  # named after it), so job resources match on the first 12 characters of the name
  sagemaker_names   = [for m in var.models : replace(m, "_", "-")]
  job_name_prefixes = [for n in local.sagemaker_names : trimsuffix(substr(n, 0, 12), "-")]
  sagemaker_arn     = "arn:${var.partition}:sagemaker:${var.region}:${var.account_id}"
  model_packages = flatten([for n in local.sagemaker_names : [
    "${local.sagemaker_arn}:model-package-group/${n}",
    "${local.sagemaker_arn}:model-package/${n}",
    "${local.sagemaker_arn}:model-package/${n}/*",
  ]])
  # models (batch transform and endpoints) are named <sagemaker name>-v<version> (SageMakerTransformer.modelName)
  sagemaker_models = [for n in local.sagemaker_names : "${local.sagemaker_arn}:model/${n}-*"]

  pass_execution_role = jsonencode({
    Sid       = "PassExecutionRole"
    Effect    = "Allow"
    Action    = ["iam:PassRole"]
    Resource  = [var.sagemaker_execution_role_arn]
    Condition = { StringEquals = { "iam:PassedToService" = ["sagemaker.amazonaws.com"] } }
  })

  # each statement is JSON text as soon as it is written: statements of different shapes then form plain
  # lists of strings, which conditionals and concat() accept

  # --- the lake: every job ---
  lake = {
    for j, c in local.jobs : j => concat(
      [
        jsonencode(merge(
          { Sid = "ListOwnPrefixes", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [var.lake_bucket_arn] },
          { for k, v in { Condition = { StringLike = { "s3:prefix" = concat(
            # the lake root, and _staging/: S3A lists the parents of a directory it creates (_staging/<job>/ the first time)
            [local.kp, "${local.kp}_staging/"],
            flatten([for p in concat(local.prefixes[j].read, local.prefixes[j].write) : [p, "${p}/*"]])
          ) } } } : k => v if var.restrict_listing_to_prefixes }
        )),
        jsonencode({ Sid = "BucketLocation", Effect = "Allow", Action = ["s3:GetBucketLocation"], Resource = [var.lake_bucket_arn] }),
      ],
      [jsonencode({
        Sid      = "LakeRootProbes"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = [for k in concat(local.root_keys, ["${local.kp}_staging"]) : "${var.lake_bucket_arn}/${k}"]
      })],
      [
        jsonencode({
          Sid      = "Read"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = flatten([for p in local.prefixes[j].read : ["${var.lake_bucket_arn}/${p}", "${var.lake_bucket_arn}/${p}/*"]])
        }),
        # publish is a rename: copy (get + put) and delete, in the job's own prefixes only
        jsonencode({
          Sid      = "ReadWrite"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
          Resource = flatten([for p in local.prefixes[j].write : ["${var.lake_bucket_arn}/${p}", "${var.lake_bucket_arn}/${p}/*"]])
        }),
        jsonencode({
          Sid       = "LakeKeyThroughS3"
          Effect    = "Allow"
          Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource  = [var.kms_key_arn]
          Condition = { StringEquals = { "kms:ViaService" = ["s3.${var.region}.amazonaws.com"] } }
        }),
      ]
    )
  }

  # --- the online store: features (BatchWriteItem and the table's setup; GetItem: `mlops features get`) ---
  online_store = {
    for j, c in local.jobs : j => c.online_store && length(var.online_table_arns) > 0 ? [
      jsonencode({
        Sid      = "OnlineTables"
        Effect   = "Allow"
        Action   = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable", "dynamodb:GetItem"]
        Resource = var.online_table_arns
      }),
      jsonencode({
        Sid       = "OnlineTablesKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource  = [var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = ["dynamodb.${var.region}.amazonaws.com"] } }
      }),
    ] : []
  }

  # --- SageMaker, per step ---
  sagemaker = {
    none = []
    # SageMakerTrainer.jobName / tuningJobName; AddTags: the jobs are created with tags
    train = [
      jsonencode({
        Sid    = "TrainingAndTuningJobs"
        Effect = "Allow"
        Action = [
          "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob",
          "sagemaker:CreateHyperParameterTuningJob", "sagemaker:DescribeHyperParameterTuningJob", "sagemaker:AddTags",
        ]
        Resource = flatten([for p in local.job_name_prefixes : [
          "${local.sagemaker_arn}:training-job/${p}*",
          "${local.sagemaker_arn}:hyper-parameter-tuning-job/${p}*",
        ]])
      }),
      jsonencode({
        Sid    = "RegisterModelPackages"
        Effect = "Allow"
        Action = [
          "sagemaker:CreateModelPackage", "sagemaker:CreateModelPackageGroup", "sagemaker:DescribeModelPackageGroup",
          "sagemaker:DescribeModelPackage", "sagemaker:AddTags",
        ]
        Resource = local.model_packages
      }),
      local.pass_execution_role,
      # sagemaker.kms_key_id is the key's alias (the deployment cannot know its id); training volumes take
      # only a key ARN, which train resolves with DescribeKey
      jsonencode({
        Sid      = "ResolveKeyAlias"
        Effect   = "Allow"
        Action   = ["kms:DescribeKey"]
        Resource = [var.kms_key_arn]
      }),
    ]
    # models and transform jobs are named after the model's SageMaker name, like training jobs
    transform = [
      jsonencode({
        Sid    = "BatchTransform"
        Effect = "Allow"
        Action = [
          "sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob",
          "sagemaker:StopTransformJob", "sagemaker:AddTags",
        ]
        Resource = concat(local.sagemaker_models, [for n in local.sagemaker_names : "${local.sagemaker_arn}:transform-job/${n}-*"])
      }),
      local.pass_execution_role,
    ]
    # approval status; real-time models: EndpointDeployer creates the version's model (with tags, passing the
    # execution role), an endpoint configuration named after it, and updates the endpoint named like the model
    promote = [
      jsonencode({
        Sid      = "ApproveModelPackages"
        Effect   = "Allow"
        Action   = ["sagemaker:UpdateModelPackage", "sagemaker:DescribeModelPackage"]
        Resource = local.model_packages
      }),
      jsonencode({
        Sid      = "EndpointModels"
        Effect   = "Allow"
        Action   = ["sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:AddTags"]
        Resource = local.sagemaker_models
      }),
      jsonencode({
        Sid    = "Endpoints"
        Effect = "Allow"
        Action = [
          "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:CreateEndpointConfig",
          "sagemaker:DescribeEndpointConfig", "sagemaker:AddTags",
        ]
        Resource = flatten([for n in local.sagemaker_names : [
          "${local.sagemaker_arn}:endpoint/${n}",
          "${local.sagemaker_arn}:endpoint-config/${n}-*",
        ]])
      }),
      local.pass_execution_role,
    ]
  }

  alarms = {
    for j, c in local.jobs : j => c.describe_alarms ? [jsonencode({
      Sid      = "DescribeAlarms"
      Effect   = "Allow"
      Action   = ["cloudwatch:DescribeAlarms"]
      Resource = ["arn:${var.partition}:cloudwatch:${var.region}:${var.account_id}:alarm:${var.alarm_name_prefix}*"]
    })] : []
  }

  # the audit ledger's anchor: write-once objects in the Object Lock bucket; no delete, no retention changes
  audit_anchor = {
    for j, c in local.jobs : j => c.audit_anchor && var.audit_bucket_arn != null ? [
      jsonencode({
        Sid      = "AuditAnchorList"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [var.audit_bucket_arn]
      }),
      jsonencode({
        Sid      = "AuditAnchorWrite"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["${var.audit_bucket_arn}/${var.audit_key_prefix}*"]
      }),
      jsonencode({
        Sid       = "AuditAnchorKeyThroughS3"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = [var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = ["s3.${var.region}.amazonaws.com"] } }
      }),
    ] : []
  }

  statements = {
    for j, c in local.jobs : j => concat(
      local.lake[j], local.online_store[j], length(var.models) > 0 ? local.sagemaker[c.sagemaker] : [], local.alarms[j], local.audit_anchor[j]
    )
  }
}

resource "terraform_data" "checks" {
  input = sort(var.jobs)

  lifecycle {
    precondition {
      condition     = length(local.unknown_jobs) == 0
      error_message = "No entry in job_policies' jobs.tf for: ${join(", ", sort(tolist(local.unknown_jobs)))}."
    }
    precondition {
      condition     = !anytrue([for c in values(local.jobs) : c.describe_alarms]) || trimspace(var.alarm_name_prefix) != ""
      error_message = "alarm_name_prefix is empty: promote would read every alarm of the account (alarm:*)."
    }
  }
}
