import { FileInspector, NULL_CHECK } from '../inspector';

/** Any content: the answer when nothing more specific matches. Its virtual size is the bytes seen. */
export class RawInspector extends FileInspector {
  readonly name = 'raw';

  constructor() {
    super();
    this.addSafetyCheck('null', NULL_CHECK);
  }

  get formatMatch(): boolean {
    return true;
  }
}
