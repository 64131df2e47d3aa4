//! Sealing keys from AWS Secrets Manager, through the AWS SDK and the standard configuration chain (environment,
//! shared config and credentials files, SSO, web identity, container and instance metadata; `AWS_ENDPOINT_URL`
//! for another endpoint). Every call is bounded in time: connect, per attempt and overall.

use super::config::AwsFetch;
use crate::config::AwsSecretRef;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use std::time::Duration;
use zeroize::Zeroizing;

/// Time limits of one secret fetch.
#[derive(Debug, Clone, Copy)]
pub struct AwsTimeouts {
    pub connect: Duration,
    pub attempt: Duration,
    /// The whole fetch, configuration loading and retries included.
    pub total: Duration,
    pub max_attempts: u32,
}

impl Default for AwsTimeouts {
    fn default() -> Self {
        AwsTimeouts {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(10),
            total: Duration::from_secs(30),
            max_attempts: 2,
        }
    }
}

/// An AWS Secrets Manager reader.
pub struct SecretsManager {
    runtime: tokio::runtime::Runtime,
    timeouts: AwsTimeouts,
}

impl std::fmt::Debug for SecretsManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsManager").field("timeouts", &self.timeouts).finish_non_exhaustive()
    }
}

impl SecretsManager {
    pub fn new(timeouts: AwsTimeouts) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the AWS client runtime: {e}"))?;
        Ok(SecretsManager { runtime, timeouts })
    }

    async fn fetch_async(&self, r: &AwsSecretRef) -> Result<Zeroizing<String>, String> {
        let id = &r.secret_id;
        let t = self.timeouts;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(t.connect)
                    .operation_attempt_timeout(t.attempt)
                    .operation_timeout(t.total)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(t.max_attempts));
        if let Some(region) = &r.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let conf = loader.load().await;
        let Some(region) = conf.region().map(|r| r.to_string()) else {
            return Err(format!(
                "AWS Secrets Manager secret {id:?}: no AWS region: set `region` in the secret reference, or AWS_REGION"
            ));
        };
        let endpoint = conf.endpoint_url().map(str::to_string).unwrap_or_else(|| format!("region {region}"));
        let client = aws_sdk_secretsmanager::Client::new(&conf);
        let out = client.get_secret_value().secret_id(id).send().await.map_err(|e| describe(id, &endpoint, &e))?;
        if let Some(s) = out.secret_string() {
            return Ok(Zeroizing::new(s.to_string()));
        }
        if let Some(b) = out.secret_binary() {
            let text = String::from_utf8(b.as_ref().to_vec())
                .map_err(|_| format!("AWS Secrets Manager secret {id:?}: the binary value is not UTF-8 PEM or JSON"))?;
            return Ok(Zeroizing::new(text));
        }
        Err(format!("AWS Secrets Manager secret {id:?} has no value (no SecretString, no SecretBinary)"))
    }
}

/// An error and its sources, `: `-separated, without debug dumps.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn describe(id: &str, endpoint: &str, e: &SdkError<GetSecretValueError>) -> String {
    match e {
        SdkError::ServiceError(se) => match se.err() {
            GetSecretValueError::ResourceNotFoundException(_) => format!(
                "AWS Secrets Manager secret {id:?} does not exist ({endpoint}): create it, or fix `secretId` and `region`"
            ),
            GetSecretValueError::DecryptionFailure(_) => format!(
                "AWS Secrets Manager secret {id:?}: KMS cannot decrypt it for this identity ({endpoint}): grant kms:Decrypt on its key"
            ),
            other => format!("AWS Secrets Manager secret {id:?} ({endpoint}): {}", chain(other)),
        },
        SdkError::TimeoutError(_) => format!(
            "AWS Secrets Manager secret {id:?}: no answer from {endpoint} in time: check the network, AWS_ENDPOINT_URL and the region"
        ),
        SdkError::DispatchFailure(_) => format!(
            "AWS Secrets Manager secret {id:?}: cannot reach {endpoint} ({}): check the network, AWS_ENDPOINT_URL and the region",
            chain(e)
        ),
        _ => format!("AWS Secrets Manager secret {id:?} ({endpoint}): {}", chain(e)),
    }
}

impl AwsFetch for SecretsManager {
    fn fetch(&self, r: &AwsSecretRef) -> Result<Zeroizing<String>, String> {
        let total = self.timeouts.total + self.timeouts.connect;
        self.runtime.block_on(async {
            match tokio::time::timeout(total, self.fetch_async(r)).await {
                Ok(result) => result,
                Err(_) => Err(format!(
                    "AWS Secrets Manager secret {:?}: gave up after {}s: check the network, AWS_ENDPOINT_URL and the region",
                    r.secret_id,
                    total.as_secs()
                )),
            }
        })
    }
}
