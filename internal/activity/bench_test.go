package activity

import (
	"bytes"
	"fmt"
	"testing"
)

// benchTrail is a CloudTrail file of n records shaped as CloudTrail
// writes data events: identity with session context, parameters,
// resources, TLS details.
func benchTrail(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::111122223333:assumed-role/app-%d/s","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/svc/app-%d","accountId":"111122223333","userName":"app-%d"},"attributes":{"creationDate":"2026-11-30T08:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-30T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"10.0.1.2","userAgent":"aws-sdk-go-v2/1.32.0","requestParameters":{"bucketName":"data-lake","Host":"data-lake.s3.amazonaws.com","key":"raw/2026/11/30/part-%05d.parquet"},"responseElements":null,"requestID":"0123456789ABCDEF","eventID":"00000000-0000-0000-0000-000000000000","readOnly":true,"resources":[{"accountId":"111122223333","type":"AWS::S3::Object","ARN":"arn:aws:s3:::data-lake/raw/2026/11/30/part-%05d.parquet"},{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::data-lake"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"data-lake.s3.amazonaws.com"}}`, i%40, i%40, i%40, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkReadTrail: one CloudTrail file of 1,000 records, read into
// calls (parameters left raw, as generation leaves those it does not
// select).
func BenchmarkReadTrail(b *testing.B) {
	data := benchTrail(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := ReadFrom(bytes.NewReader(data), "bench", func(*Call) error { n++; return nil }); err != nil || n != 1000 {
			b.Fatal(err, n)
		}
	}
}
