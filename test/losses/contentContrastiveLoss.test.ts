import { contentContrastiveLoss } from '../../src';
import { describeBackendsBothPaths } from '../helpers/backends';
import { idLossProperties, idLossTests } from './ieContraAst';

describeBackendsBothPaths('contentContrastiveLoss', (backend) => {
  idLossProperties(backend, contentContrastiveLoss, 'contentIds');
  idLossTests(backend, contentContrastiveLoss, 'contentContrastiveLoss', 'contentIds');
});
