/**
 * What the machines a trial job runs on cost per hour. The numbers are AWS list prices for us-east-1
 * (Linux) as published on the EC2 and Fargate pricing pages in 2025; Spot prices move hourly and per
 * Availability Zone, so the Spot column is a typical recent level (check
 * `aws ec2 describe-spot-price-history`), not a quote. Every function here takes the table as an
 * argument: pass your own for another region, a negotiated discount or today's Spot level.
 */

/** On-demand is what a job pays on the fallback compute environment, and so the upper bound. */
export type Market = 'on-demand' | 'spot';

export interface Ec2InstancePrice {
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  readonly gpuModel: string;
  readonly onDemandPerHour: number;
  readonly spotPerHour: number;
}

export interface FargatePrice {
  readonly perVcpuHour: number;
  readonly perGiBHour: number;
  readonly spotPerVcpuHour: number;
  readonly spotPerGiBHour: number;
}

export interface PriceTable {
  readonly region: string;
  /** When the prices were read, and from where: estimates repeat it so nobody mistakes them for a bill. */
  readonly asOf: string;
  readonly source: string;
  /** EC2 (Linux) and Fargate bill per second with a one-minute minimum per instance or task. */
  readonly minimumBilledSeconds: number;
  readonly ec2: Readonly<Record<string, Ec2InstancePrice>>;
  readonly fargate: FargatePrice;
}

/**
 * A machine a trial job runs on: an EC2 instance type (GPU training) or a Fargate task size (benchmark
 * lookups); or `external`, the user's own workers (the `external` evaluator), which the service does not
 * bill: they price at nothing, whatever the market.
 */
export type JobInstance =
  | { readonly kind: 'ec2'; readonly type: string; readonly market: Market }
  | { readonly kind: 'fargate'; readonly vcpu: number; readonly memoryGiB: number; readonly market: Market }
  | { readonly kind: 'external'; readonly market: Market };

export const DEFAULT_PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2025',
  source: 'aws.amazon.com/ec2/pricing/on-demand, aws.amazon.com/fargate/pricing (Linux/x86); Spot: typical us-east-1 levels',
  minimumBilledSeconds: 60,
  ec2: {
    'g4dn.xlarge': { vcpus: 4, memoryGiB: 16, gpus: 1, gpuModel: 'NVIDIA T4 16 GB', onDemandPerHour: 0.526, spotPerHour: 0.21 },
    'g4dn.2xlarge': { vcpus: 8, memoryGiB: 32, gpus: 1, gpuModel: 'NVIDIA T4 16 GB', onDemandPerHour: 0.752, spotPerHour: 0.3 },
    'g6.xlarge': { vcpus: 4, memoryGiB: 16, gpus: 1, gpuModel: 'NVIDIA L4 24 GB', onDemandPerHour: 0.8048, spotPerHour: 0.37 },
    'g5.xlarge': { vcpus: 4, memoryGiB: 16, gpus: 1, gpuModel: 'NVIDIA A10G 24 GB', onDemandPerHour: 1.006, spotPerHour: 0.44 },
    'p3.2xlarge': { vcpus: 8, memoryGiB: 61, gpus: 1, gpuModel: 'NVIDIA V100 16 GB', onDemandPerHour: 3.06, spotPerHour: 0.92 },
  },
  fargate: { perVcpuHour: 0.04048, perGiBHour: 0.004445, spotPerVcpuHour: 0.012144, spotPerGiBHour: 0.0013335 },
};

/** Dollars per hour of `instance`; throws `RangeError` for an instance type the table does not price. */
export function hourlyPrice(instance: JobInstance, prices: PriceTable = DEFAULT_PRICES): number {
  if (instance.kind === 'external') return 0;
  if (instance.kind === 'fargate') {
    const { vcpu, memoryGiB, market } = instance;
    if (!(vcpu > 0) || !(memoryGiB > 0)) throw new RangeError(`a Fargate task needs vcpu and memoryGiB > 0, got ${vcpu} vCPU / ${memoryGiB} GiB`);
    const f = prices.fargate;
    return market === 'spot' ? vcpu * f.spotPerVcpuHour + memoryGiB * f.spotPerGiBHour : vcpu * f.perVcpuHour + memoryGiB * f.perGiBHour;
  }
  const price = prices.ec2[instance.type];
  if (!price) {
    throw new RangeError(`no price for instance type '${instance.type}' in ${prices.region} (priced: ${Object.keys(prices.ec2).join(', ')})`);
  }
  return instance.market === 'spot' ? price.spotPerHour : price.onDemandPerHour;
}
