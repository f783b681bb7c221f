import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

/**
 * The S3 API the object-store tests run against: OpenStack Swift's, started by ops/object-store/start.sh. `.ci/run`
 * starts it and sets TEST_S3_ENDPOINT (and the credentials); without it those tests are skipped, and say so.
 */
export const S3_ENDPOINT = process.env.TEST_S3_ENDPOINT;

/** The credentials the SDK reads (its standard variables), for this test file's process only. */
export function useTestS3Credentials(what: string): void {
  // CI always starts the object store: there, a missing endpoint is a failure, never a quiet skip.
  if (!S3_ENDPOINT && process.env.CI) throw new Error(`${what}: TEST_S3_ENDPOINT is not set in CI (.ci/run starts ops/object-store/start.sh)`);
  if (!S3_ENDPOINT) console.warn(`${what} skipped: TEST_S3_ENDPOINT is not set (start ops/object-store/start.sh; .ci/run does).`);
  process.env.AWS_ACCESS_KEY_ID = process.env.TEST_S3_ACCESS_KEY_ID ?? "test:tester";
  process.env.AWS_SECRET_ACCESS_KEY = process.env.TEST_S3_SECRET_ACCESS_KEY ?? "testing";
}

/** Empties and deletes a test bucket. */
export async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const o of listed.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
