import axios from 'axios';

/**
 * The one way out to partners' webhook URLs, behind a small interface: the real sender (axios) and
 * a recording test sender. A sender never throws: a network error or timeout is a failed response.
 */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookResponse {
  /** HTTP status, or null when no response arrived (network error, timeout). */
  status: number | null;
  error: string | null;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}

export const isDelivered = (response: WebhookResponse) =>
  response.status !== null && response.status >= 200 && response.status < 300;

export function createAxiosWebhookSender(): WebhookSender {
  const client = axios.create({
    maxRedirects: 0,
    validateStatus: () => true,
    responseType: 'text',
    transformRequest: [(data: unknown) => data],
  });
  return {
    async send({ url, headers, body, timeoutMs }) {
      try {
        const res = await client.post(url, body, { headers, timeout: timeoutMs });
        return { status: res.status, error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}` };
      } catch (error) {
        return { status: null, error: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

/** A test sender: records every request and answers with `respond` (default 200). */
export function createRecordingWebhookSender(
  respond: (request: WebhookRequest) => WebhookResponse = () => ({ status: 200, error: null }),
) {
  const requests: WebhookRequest[] = [];
  const sender: WebhookSender & { requests: WebhookRequest[] } = {
    requests,
    async send(request) {
      requests.push(request);
      return respond(request);
    },
  };
  return sender;
}
